"""The clinic finder: directories of clinics, where-am-I (offline gazetteer or an opted-in online geocoder),
nearest clinics with a spatial index and exact geodesic distances, and "my clinic".

Nothing heavy happens at import time: geopy, the gazetteer and the bundled directory load on first use.
The usual entry point is ``companion.clinics.finder.ClinicFinder``.
"""
