import type * as Http from "node:http"
import * as Net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import * as NodeRefusals from "@errata/dialect/NodeRefusals"

const body = (message: string) => JSON.stringify({ error: { code: "INVALID_INPUT", message } })

describe("NodeRefusals", () => {
  it("message: one fixed message per parser error, never what the client sent", () => {
    const cases: Array<[string | undefined, string]> = [
      ["HPE_HEADER_OVERFLOW", "Request line and headers are too large (limit 2048 bytes)"],
      ["ERR_HTTP_REQUEST_TIMEOUT", "Request was not received in time"],
      ["HPE_INVALID_METHOD", "Request method is not supported"],
      ["HPE_UNEXPECTED_CONTENT_LENGTH", "Request body framing (Content-Length, Transfer-Encoding) is invalid"],
      ["HPE_INVALID_CONTENT_LENGTH", "Request body framing (Content-Length, Transfer-Encoding) is invalid"],
      ["HPE_INVALID_TRANSFER_ENCODING", "Request body framing (Content-Length, Transfer-Encoding) is invalid"],
      ["HPE_INVALID_CHUNK_SIZE", "Request body framing (Content-Length, Transfer-Encoding) is invalid"],
      ["HPE_CHUNK_EXTENSIONS_OVERFLOW", "Request body framing (Content-Length, Transfer-Encoding) is invalid"],
      ["HPE_INVALID_EOF_STATE", "Request ended before its body did"],
      ["HPE_INVALID_HEADER_TOKEN", "Request headers are malformed"],
      ["HPE_LF_EXPECTED", "Request headers are malformed"],
      ["HPE_CR_EXPECTED", "Request headers are malformed"],
      ["HPE_INVALID_VERSION", "Request is not valid HTTP/1.1"],
      ["SOMETHING_ELSE", "Request is not valid HTTP/1.1"],
      [undefined, "Request is not valid HTTP/1.1"]
    ]
    for (const [code, message] of cases) expect(NodeRefusals.message(code, 2048), String(code)).toBe(message)
  })

  it("answer: 400 INVALID_INPUT as the wire format writes it, with the request ID and Connection: close", () => {
    const answer = NodeRefusals.answer("Host header is required", "req_1")
    expect(answer).toEqual({
      status: 400,
      headers: { "content-type": "application/json", "x-request-id": "req_1", connection: "close" },
      body: '{"error":{"code":"INVALID_INPUT","message":"Host header is required"}}'
    })
    // The order the headers go out in.
    expect(Object.keys(answer.headers)).toEqual(["content-type", "x-request-id", "connection"])
  })

  it("raw: the bytes of an HTTP/1.1 response, content-length in bytes", () => {
    const now = Date.parse("2026-10-21T07:28:00Z")
    expect(NodeRefusals.raw(NodeRefusals.answer("é", "req_2"), now)).toBe(
      [
        "HTTP/1.1 400 Bad Request",
        "date: Wed, 21 Oct 2026 07:28:00 GMT",
        "content-type: application/json",
        "x-request-id: req_2",
        "connection: close",
        `content-length: ${Buffer.byteLength(body("é"), "utf8")}`,
        "",
        body("é")
      ].join("\r\n")
    )
  })

  describe("make", () => {
    let server: Http.Server | undefined
    afterEach(async () => {
      const s = server
      server = undefined
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()))
    })

    const start = async (options: NodeRefusals.Options = {}) => {
      let ids = 0
      const s = NodeRefusals.make({ generateRequestId: () => `req_${++ids}`, ...options })
      s.on("request", (_request: Http.IncomingMessage, response: Http.ServerResponse) => response.end("ok"))
      server = s
      await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
      const address = s.address()
      if (address === null || typeof address === "string") throw new Error("no port")
      return address.port
    }

    // Writes `bytes` and reads everything until the server closes the connection.
    const exchange = (port: number, bytes: string, end = false) =>
      new Promise<string>((resolve, reject) => {
        const socket = Net.connect(port, "127.0.0.1")
        const chunks: Array<Buffer> = []
        socket.on("data", (chunk: Buffer) => chunks.push(chunk))
        socket.on("error", reject)
        socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")))
        socket.write(bytes)
        if (end) socket.end()
        setTimeout(() => socket.destroy(), 5_000).unref()
      })

    const refusal = (response: string) => {
      const [head = "", text = ""] = response.split("\r\n\r\n")
      const [status, ...lines] = head.split("\r\n")
      const headers = Object.fromEntries(lines.map((line) => {
        const colon = line.indexOf(":")
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
      }))
      return { status, headers, body: text }
    }

    it("lets a good request through to the app", async () => {
      const port = await start()
      const response = await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
      expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
      expect(response.endsWith("ok")).toBe(true)
    })

    it("an HTTP/1.1 request without Host: refused before the app sees it", async () => {
      const port = await start()
      const seen: Array<string> = []
      server?.prependListener("request", (request: Http.IncomingMessage) => seen.push(request.url ?? ""))
      const { body: text, headers, status } = refusal(await exchange(port, "GET /secret HTTP/1.1\r\n\r\n"))
      expect(status).toBe("HTTP/1.1 400 Bad Request")
      expect(headers["content-type"]).toBe("application/json")
      expect(headers["x-request-id"]).toBe("req_1")
      expect(headers["connection"]).toBe("close")
      expect(headers["content-length"]).toBe(String(Buffer.byteLength(text)))
      expect(text).toBe(body("Host header is required"))
      expect(seen).toEqual([])
    })

    it("an HTTP/1.0 request without Host is the app's", async () => {
      const port = await start()
      expect(await exchange(port, "GET / HTTP/1.0\r\n\r\n")).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/)
    })

    it("Expect: 100-continue without Host is refused before checkContinue too", async () => {
      const port = await start()
      let continued = 0
      server?.on("checkContinue", (_request: Http.IncomingMessage, response: Http.ServerResponse) => {
        continued++
        response.end("continued")
      })
      const { body: text } = refusal(await exchange(port, "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"))
      expect(text).toBe(body("Host header is required"))
      expect(continued).toBe(0)
    })

    it("an Expect other than 100-continue, CONNECT, an unknown method, headers too large: each its message", async () => {
      const port = await start({ maxHeaderSize: 1024 })
      const cases: Array<[string, string]> = [
        ["GET / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n", "Expect header is not supported (only 100-continue is)"],
        ["CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "CONNECT is not supported"],
        ["BREW / HTTP/1.1\r\nHost: x\r\n\r\n", "Request method is not supported"],
        [`GET /${"a".repeat(2048)} HTTP/1.1\r\nHost: x\r\n\r\n`, "Request line and headers are too large (limit 1024 bytes)"],
        ["GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "Request body framing (Content-Length, Transfer-Encoding) is invalid"],
        ["GET / HTTP/1.1\r\nHo\u0001st: x\r\n\r\n", "Request headers are malformed"]
      ]
      for (const [request, message] of cases) {
        const answer = refusal(await exchange(port, request))
        expect(answer.status, message).toBe("HTTP/1.1 400 Bad Request")
        expect(answer.body, message).toBe(body(message))
        expect(answer.headers["connection"]).toBe("close")
        expect(answer.headers["x-request-id"]).toMatch(/^req_\d+$/)
        // Nothing the request carried is written back.
        expect(answer.body).not.toContain("aaaa")
      }
    })

    it("an unsafe generated request ID falls back to the dialect's own", async () => {
      const port = await start({ generateRequestId: () => "bad id\r\n" })
      const { headers } = refusal(await exchange(port, "GET / HTTP/1.1\r\n\r\n"))
      expect(headers["x-request-id"]).toMatch(/^[0-9a-f]{16}-\d+$/)
    })

    it("a request cut short by the client (its half of the connection closed) is answered", async () => {
      const port = await start()
      const { body: text } = refusal(await exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nContent-Le", true))
      expect(text).toBe(body("Request ended before its body did"))
    })
  })
})
