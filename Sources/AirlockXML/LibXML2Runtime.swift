private import CAirlockXMLShim

/// Process-wide libxml2 facts; initialisation happens once, lazily, inside the C shim (pthread_once).
public enum LibXML2Runtime {
    /// The libxml2 version compiled against, for `airlock --version` and bug reports.
    public static var version: String {
        String(cString: airlock_xml_libxml2_version())
    }

    /// Initialises libxml2 and installs the refusing entity loader now instead of on first use.
    public static func initialize() {
        airlock_xml_initialize()
    }
}
