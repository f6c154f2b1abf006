/** A small client for the REST API: sends a request with X-STRINGEE-AUTH and returns status and JSON. */
export interface RestResponse<T = Record<string, unknown>> {
  status: number
  body: T
  headers: Headers
}

export interface RestClient {
  call<T = Record<string, any>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RestResponse<T>>
  get<T = Record<string, any>>(path: string): Promise<RestResponse<T>>
  post<T = Record<string, any>>(path: string, body?: unknown): Promise<RestResponse<T>>
  put<T = Record<string, any>>(path: string, body?: unknown): Promise<RestResponse<T>>
  del<T = Record<string, any>>(path: string, body?: unknown): Promise<RestResponse<T>>
}

export function restClient(base: { url: string }, token: string | undefined): RestClient {
  const call = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RestResponse<T>> => {
    const h: Record<string, string> = { accept: 'application/json', ...headers }
    if (token !== undefined) h['x-stringee-auth'] = token
    let payload: string | FormData | undefined
    if (body instanceof FormData) payload = body
    else if (typeof body === 'string') payload = body
    else if (body !== undefined) payload = JSON.stringify(body)
    if (payload !== undefined && !(payload instanceof FormData) && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
      h['content-type'] = 'application/json'
    const res = await fetch(`${base.url}${path}`, { method, headers: h, body: payload })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON: the test sees the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers }
  }
  return {
    call,
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b),
    put: (p, b) => call('PUT', p, b),
    del: (p, b) => call('DELETE', p, b),
  }
}
