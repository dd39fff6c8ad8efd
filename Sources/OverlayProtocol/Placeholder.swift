enum _POverlayProtocol {}
