// Node's fetch (undici), as users call it. Prints "status length" per upload.
const fs = require("fs");
const [url, path, count] = process.argv.slice(2);
const data = fs.readFileSync(path);
(async () => {
  for (let i = 0; i < Number(count); i++) {
    try {
      const response = await fetch(url, {
        method: "POST", body: data, headers: { "content-type": "application/octet-stream" },
      });
      const body = await response.arrayBuffer();
      console.log(response.status + " " + body.byteLength);
    } catch (e) {
      console.log("failed: " + e + (e.cause ? " (" + e.cause + ")" : ""));
    }
  }
})();
