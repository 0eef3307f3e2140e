"""The Open311 GeoReport v2 server (``/open311/v2/``): third-party apps file feedback and
follow it with the standard's documents, in XML and JSON. ``controllers`` lists the routes
and the parts of the specification left out."""
