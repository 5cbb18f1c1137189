# Thin wrappers around ./dev, for those who type `make`.
.PHONY: install run test bench
install:
	./dev install
run:
	./dev run
test:
	./dev test
