enum _POverlayNode {}
