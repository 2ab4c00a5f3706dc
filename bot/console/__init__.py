"""The web console for supervisors and managers (issue 22): server-rendered pages on
Steward's HTTP server that call the same services as chat and the command line. It sits
between the app (which mounts it) and the features (whose faces it uses)."""
