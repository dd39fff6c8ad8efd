enum _POverlayCore {}
