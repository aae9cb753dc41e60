//! ClientHello / ServerHello parsers (pure; shared by TLS over TCP and QUIC).
//! SKELETON: the TLS helper replaces this file (interface below is agreed).

/// What cemprobe keeps of a ClientHello.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    pub sni: Option<String>,
    /// ALPN protocols offered, in order.
    pub alpn: Vec<String>,
    /// supported_versions offered (GREASE removed), in order.
    pub supported_versions: Vec<u16>,
    /// JA4 fingerprint (computed by the caller-independent parser).
    pub ja4: Option<String>,
}

/// What cemprobe keeps of a ServerHello.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    /// supported_versions selected_version (TLS 1.3).
    pub selected_version: Option<u16>,
    /// ALPN selected (TLS ≤ 1.2: in the ServerHello).
    pub alpn: Option<String>,
}

/// Parse error with a stable counter name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelloError(pub &'static str);

/// Parse a ClientHello handshake message body (after the 4-byte handshake header).
/// `quic`: from QUIC CRYPTO frames (JA4 starts with `q`).
pub fn parse_client_hello(_body: &[u8], _quic: bool) -> Result<ClientHello, HelloError> {
    Err(HelloError("tls_hello_unparsed"))
}

/// Parse a ServerHello handshake message body (after the 4-byte handshake header).
pub fn parse_server_hello(_body: &[u8]) -> Result<ServerHello, HelloError> {
    Err(HelloError("tls_hello_unparsed"))
}
