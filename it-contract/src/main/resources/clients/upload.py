# Python requests, as users call it: one new connection per post. Prints "status length" per upload.
import sys

import requests

url, path, count, expect = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "expect"
data = open(path, "rb").read()
headers = {"Content-Type": "application/octet-stream"}
if expect:
    headers["Expect"] = "100-continue"  # requests sends the body at once all the same
for _ in range(count):
    try:
        response = requests.post(url, data=data, headers=headers, timeout=30)
        print(response.status_code, len(response.content), flush=True)
    except Exception as e:
        print("failed:", type(e).__name__, e, flush=True)
