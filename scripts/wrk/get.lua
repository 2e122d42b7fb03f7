-- GET with the bearer token from $TOKEN; the path comes from wrk's URL.
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "")
