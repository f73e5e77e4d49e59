"""Package data: the SAMPLE clinic directory and the GeoNames gazetteer (CC BY 4.0)."""
