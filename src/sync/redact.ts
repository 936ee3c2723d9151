/** The feed URL with its query (which may carry an access token) removed, for status and logs. */
export function redactUrl(url: string): string {
  const q = url.search(/[?#]/);
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}
