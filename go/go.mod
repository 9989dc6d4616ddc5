module timens

go 1.19
