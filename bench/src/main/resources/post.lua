-- wrk: POST a body of BODY_BYTES bytes on every request.
wrk.method = "POST"
wrk.body = string.rep("b", tonumber(os.getenv("BODY_BYTES")))
wrk.headers["Content-Type"] = "application/octet-stream"
