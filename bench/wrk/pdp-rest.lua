-- wrk script: POST one small input to the decision point's REST API.
wrk.method = "POST"
wrk.body = '{"input":{"user":{"role":"sre"},"resource":{"environment":"production"},"action":"read"}}'
wrk.headers["Content-Type"] = "application/json"
