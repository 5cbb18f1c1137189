/*
 * LearnStream: a small same-origin JSON client shared by player.js and uploader.js.
 *
 * Pages sign in with the Django session, so requests carry the session cookie
 * (`credentials: "same-origin"`) and unsafe methods send the CSRF token in
 * `X-CSRFToken`. Errors under /api/ are problem+json (`{detail, code, status, ...}`);
 * every failure is turned into an ApiError whose message is meant for the user.
 *
 * Exposes: window.LearnStreamAPI = {request, ApiError, getCookie, csrfToken}
 */
(function () {
  "use strict";

  const SAFE_METHODS = ["GET", "HEAD", "OPTIONS", "TRACE"];

  function getCookie(name) {
    const prefix = name + "=";
    const parts = document.cookie ? document.cookie.split(";") : [];
    for (const part of parts) {
      const cookie = part.trim();
      if (cookie.startsWith(prefix)) {
        return decodeURIComponent(cookie.slice(prefix.length));
      }
    }
    return null;
  }

  function csrfToken() {
    // With CSRF_COOKIE_HTTPONLY the cookie is invisible to scripts; a page can then
    // render {% csrf_token %} somewhere and we read the hidden input instead.
    const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return getCookie("csrftoken") || (input && input.value) || "";
  }

  class ApiError extends Error {
    constructor(message, { status = 0, code = null, problem = null, retryAfter = null } = {}) {
      super(message);
      this.name = "ApiError";
      this.status = status; // 0 = the request never got an HTTP answer
      this.code = code; // problem+json `code`, e.g. "video_not_ready"
      this.problem = problem; // the parsed problem body, if any
      this.retryAfter = retryAfter; // seconds, from a Retry-After header
    }

    // Worth trying again later: no answer, server trouble, or rate limited.
    // Any other 4xx will be refused again, however often it is repeated.
    get retryable() {
      return this.status === 0 || this.status === 429 || this.status >= 500;
    }
  }

  async function readBody(response) {
    if (response.status === 204) return null;
    let text;
    try {
      text = await response.text();
    } catch (err) {
      return null; // e.g. a keepalive request whose page is already gone
    }
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch (err) {
      return null; // an HTML error page from a proxy, say: not worth showing
    }
  }

  function errorFromResponse(response, problem) {
    const p = problem && typeof problem === "object" ? problem : null;
    let message = (p && (p.detail || p.title)) || `Request failed (HTTP ${response.status}).`;
    if (p && p.errors && typeof p.errors === "object") {
      const fields = Object.keys(p.errors).map((field) => `${field}: ${[].concat(p.errors[field]).join(" ")}`);
      if (fields.length) message += ` (${fields.join("; ")})`;
    }
    const retryAfter = parseFloat(response.headers.get("Retry-After"));
    return new ApiError(message, {
      status: response.status,
      code: p ? p.code || null : null,
      problem: p,
      retryAfter: Number.isFinite(retryAfter) ? retryAfter : null,
    });
  }

  /**
   * request(url, {method, json, keepalive}) → Promise of the parsed JSON body (null if
   * empty). Rejects with an ApiError on a network failure or a non-2xx answer.
   * Without `json` no body and no Content-Type are sent (the API accepts body-less POSTs).
   */
  async function request(url, { method = "GET", json, keepalive = false } = {}) {
    method = method.toUpperCase();
    const headers = { Accept: "application/json, application/problem+json" };
    if (!SAFE_METHODS.includes(method)) headers["X-CSRFToken"] = csrfToken();
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }

    let response;
    try {
      response = await fetch(url, { method, headers, body, credentials: "same-origin", keepalive });
    } catch (err) {
      throw new ApiError("Could not reach the server. Check your connection.", { status: 0 });
    }
    const data = await readBody(response);
    if (response.ok) return data;
    throw errorFromResponse(response, data);
  }

  window.LearnStreamAPI = { request, ApiError, getCookie, csrfToken };
})();
