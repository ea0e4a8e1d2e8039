// The console's REST API (the same one integrations use; OpenAPI at /api/openapi.json).
// Sessions are a cookie; every change carries the session's CSRF token in X-CSRF-Token.

let csrf = null;

export function setCsrf(token) {
  csrf = token || null;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(describe(status, body));
    this.status = status;
    this.body = body || {};
  }
}

function describe(status, body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).slice(1).join(".") || "request"}: ${d.msg}`).join("; ");
  }
  if (typeof detail === "string" && detail) return detail;
  return `the server answered ${status}`;
}

export async function request(method, path, body, options = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin", keepalive: options.keepalive || false,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, { detail: "the console cannot be reached (network)" });
  }
  let data = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("application/json")) data = await response.json();
  if (!response.ok) {
    const err = new ApiError(response.status, data);
    if (response.status === 401 && !options.quiet401) window.dispatchEvent(new CustomEvent("civicmod:unauthenticated"));
    throw err;
  }
  return data;
}

export const get = (path, params) => {
  const q = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null)) : null;
  return request("GET", q && q.toString() ? `${path}?${q}` : path);
};
export const post = (path, body = {}) => request("POST", path, body);
export const patch = (path, body = {}) => request("PATCH", path, body);
export const del = (path, options) => request("DELETE", path, undefined, options);
