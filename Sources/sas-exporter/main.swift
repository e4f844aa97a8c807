print("sas-exporter")
