// Go's net/http client, with Expect: 100-continue when asked (it waits a second, as
// http.DefaultTransport does, then sends). Prints "status length" per upload.
package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	url, path := os.Args[1], os.Args[2]
	count, _ := strconv.Atoi(os.Args[3])
	expect := os.Args[4] == "expect"
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Println("failed:", err)
		return
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{ExpectContinueTimeout: time.Second}}
	for i := 0; i < count; i++ {
		request, _ := http.NewRequest("POST", url, bytes.NewReader(data))
		request.Header.Set("Content-Type", "application/octet-stream")
		if expect {
			request.Header.Set("Expect", "100-continue")
		}
		response, err := client.Do(request)
		if err != nil {
			fmt.Println("failed:", err)
			continue
		}
		body, err := io.ReadAll(response.Body)
		response.Body.Close()
		if err != nil {
			fmt.Println("failed:", err)
			continue
		}
		fmt.Println(response.StatusCode, len(body))
	}
}
