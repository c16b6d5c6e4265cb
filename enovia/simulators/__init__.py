"""Simulated upstreams, served over real HTTP: `enovia.simulators.facade` for the seed's REST
API."""
