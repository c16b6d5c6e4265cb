"""What both simulators are built on, written once: the ASGI plumbing (`asgi`, `paths`,
`routing`, `calls`, `app`), the faults they share (`faults`, `config`, `checks`, `hang`,
`state`), the call counters (`stats`), the admin API's dispatch (`admin`), the error a
document change answers with (`errors`) and the secret comparison of logins
(`credentials`).

`enovia.simulators.facade` and `enovia.simulators.platform` each add their own endpoints,
faults, counters and data on top; neither imports the other's plumbing (the platform does
reuse the facade's sample data).
"""
