"""The embedded Linkis simulator: a faithful twin of a Linkis 1.x deployment, with fault modes.

Layout (requests flow top to bottom):

- `server` (`serve`: uvicorn on a pre-bound socket) and `launch` (`start_simulator`, a subprocess)
- `app.create_app(store, clock)`: the `gateway` in front of one Starlette app of services
- `gateway` (auth, execID `routing`, CORS, body bound), `users` (`/user/*`), `auth` (sessions,
  token and proxy rules)
- services: `entrance` (+ `submit` parsing, `entrance_log`, `killjobs`), `jobhistory`, `filesystem`
- state: `jobs` (job record, planned timeline, `JobStore` = entrance memory), `history` (SQLite),
  `joblog` (logs as time-stamped chunks), `clock`
- wire: `responses` (envelopes, Spring bodies), `views` (taskID/execID/task record), `bodies`,
  `javanum`
- `faults`: the catalogue and the `Faults` predicates; each fault acts at one place.
"""
