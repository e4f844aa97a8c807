print("sas-simulator")
