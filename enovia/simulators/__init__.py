"""Simulated upstreams, served over real HTTP: `enovia.simulators.facade` for the seed's REST
API, `enovia.simulators.platform` for the 3DEXPERIENCE platform (3DPassport and 3DSpace)."""
