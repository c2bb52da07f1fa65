"""The entrance's rules: what a scan means, scanner repair, arrivals."""
