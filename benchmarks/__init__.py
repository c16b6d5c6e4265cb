"""The benchmark harness: `python -m benchmarks.run` (or `make bench`) measures the figures of
the "Performance" table in `../shared/design/quality.md` in one run and writes
`benchmarks/results/latest.json` and `latest.png`."""
