enum _POverlayController {}
