/**
 * OAuth 2.1 mode, with `@cloudflare/workers-oauth-provider` (one Worker is both the authorization
 * server and its only resource, `<PUBLIC_URL>/mcp`): RFC 9728 / RFC 8414 metadata, dynamic client
 * registration, PKCE S256, token endpoint, KV state in `OAUTH_KV`, and our consent page at
 * `/authorize`. API keys from `API_KEYS` are accepted on `/mcp` too, through the provider's
 * `resolveExternalToken`, so both produce the same caller context. An OAuth token's context names
 * its grant (the credential a 2025 session is bound to): the provider tells the token exchange,
 * not the API handler, which grant a token belongs to, so the exchange writes it into the grant's
 * props, once per grant and again on refresh for grants issued before that.
 */
import {
  AuthorizationError,
  type AuthRequest,
  CimdFetchError,
  GrantType,
  OAuthProvider,
  type OAuthHelpers,
  type OAuthResourceContext,
} from "@cloudflare/workers-oauth-provider";
import { readConfig } from "../config";
import type { Env } from "../env";
import { MCP_PATH } from "../http/paths";
import { json } from "../http/respond";
import { log } from "../log";
import { apiKeyContext } from "./api-key";
import { consentHtml, messageHtml, newNonce, pageHeaders } from "./consent-page";
import {
  type AuthContext,
  type AuthProps,
  authContextSchema,
  type CallerContext,
  callerContextSchema,
  oauthGrantCredential,
  SCOPES,
  type Scope,
} from "./context";
import { AccessKeyIdentityProvider, type IdentityProvider } from "./identity";
import { normaliseScopes } from "./keys";
export const AUTHORIZE_PATH = "/authorize";
export const TOKEN_PATH = "/oauth/token";
export const REGISTER_PATH = "/oauth/register";

/** Serves an authenticated MCP request (session guard + Agents SDK handler). */
export type ServeMcp = (request: Request, env: Env, ctx: ExecutionContext, auth: CallerContext) => Promise<Response>;
/** Everything that is neither OAuth nor MCP (info page, health, 404). */
export type Fallback = (request: Request, env: Env) => Promise<Response> | Response;

const providers = new Map<string, OAuthProvider<Env>>();

/** One provider per public URL (the resource identifier is fixed at construction). */
export function oauthProvider(publicUrl: string, serveMcp: ServeMcp, fallback: Fallback): OAuthProvider<Env> {
  let provider = providers.get(publicUrl);
  if (!provider) {
    provider = build(publicUrl, serveMcp, fallback);
    providers.set(publicUrl, provider);
  }
  return provider;
}

function build(publicUrl: string, serveMcp: ServeMcp, fallback: Fallback): OAuthProvider<Env> {
  const resource = `${publicUrl}${MCP_PATH}`;
  return new OAuthProvider<Env>({
    apiRoute: MCP_PATH,
    apiHandler: {
      async fetch(request: Request, env: Env, ctx: ExecutionContext) {
        const auth = contextFromToken(ctx as OAuthResourceContext<AuthProps>);
        if (!auth) {
          // A token issued before grants were bound lands here: the challenge sends its client to refresh it.
          return json({ error: "invalid_token", message: "The token carries no valid KTRDR access. Authorize again." }, 401, {
            "www-authenticate": `Bearer realm="OAuth", resource_metadata="${publicUrl}/.well-known/oauth-protected-resource${MCP_PATH}", error="invalid_token"`,
          });
        }
        return serveMcp(request, env, ctx, auth);
      },
    },
    defaultHandler: {
      async fetch(request: Request, env: Env) {
        if (new URL(request.url).pathname === AUTHORIZE_PATH) return authorize(request, env);
        return fallback(request, env);
      },
    },
    authorizeEndpoint: AUTHORIZE_PATH,
    tokenEndpoint: TOKEN_PATH,
    clientRegistrationEndpoint: REGISTER_PATH,
    scopesSupported: [...SCOPES],
    resourceMetadata: {
      resource,
      authorization_servers: [publicUrl],
      bearer_methods_supported: ["header"],
      resource_name: "KTRDR MCP server",
    },
    // Effective only with the `global_fetch_strictly_public` compatibility flag (see wrangler.toml).
    clientIdMetadataDocumentEnabled: true,
    tokenExchangeCallback: ({ grantType, grantId, props }) => bindGrant(grantType, grantId, props),
    resolveExternalToken: async ({ token, env }) => {
      const auth = await apiKeyContext(readConfig(env).access.apiKeys, token);
      return auth ? { props: auth, audience: resource } : null;
    },
    onError: ({ status, code, internal }) => {
      log("warn", "oauth_error", { status, code, reason: typeof internal?.reason === "string" ? internal.reason : undefined });
    },
  });
}

/**
 * The grant's props name the grant, for every token issued from it (code exchange and refresh).
 * Other grant types (token exchange, JWT bearer) are not enabled: their tokens carry no grant and
 * are refused on /mcp.
 */
function bindGrant(grantType: GrantType, grantId: string, props: unknown): { newProps: CallerContext } | undefined {
  if (grantType !== GrantType.AUTHORIZATION_CODE && grantType !== GrantType.REFRESH_TOKEN) return undefined;
  const parsed = authContextSchema.safeParse(props);
  if (!parsed.success || parsed.data.method !== "oauth") return undefined;
  const credential = oauthGrantCredential(grantId);
  if ((props as { credential?: unknown }).credential === credential) return undefined;
  return { newProps: { ...parsed.data, credential } };
}

/**
 * The caller's context from a validated bearer: API-key props as they are; OAuth props narrowed
 * to the scopes the token itself carries (a refresh may have narrowed them). A token without its
 * credential binding (issued before grants were bound) is refused; its client refreshes it.
 */
function contextFromToken(ctx: OAuthResourceContext<AuthProps>): CallerContext | undefined {
  const parsed = callerContextSchema.safeParse(ctx.props);
  if (!parsed.success) return undefined;
  const props = parsed.data;
  if (props.method === "api_key") return props.credential.startsWith("api_key:") ? props : undefined;
  if (props.method !== "oauth" || !props.credential.startsWith(oauthGrantCredential(""))) return undefined;
  const tokenScopes = new Set(ctx.auth.scope);
  return { ...props, scopes: props.scopes.filter((s) => tokenScopes.has(s)) };
}

function identityProvider(env: Env): IdentityProvider {
  return new AccessKeyIdentityProvider(readConfig(env).access.accessKeys);
}

function helpers(env: Env): OAuthHelpers {
  const h = env.OAUTH_PROVIDER;
  if (!h) throw new Error("OAUTH_PROVIDER helpers missing");
  return h;
}

/** What the page offers: the known scopes the client asked for, or all when it asked for none of them. */
function offeredScopes(req: AuthRequest): Scope[] {
  const asked = normaliseScopes(req.scope);
  return asked.length > 0 ? asked : [...SCOPES];
}

function redirectOrigin(uri: string): string | undefined {
  try {
    const u = new URL(uri);
    return u.protocol === "https:" || u.protocol === "http:" ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

async function authorize(request: Request, env: Env): Promise<Response> {
  const nonce = newNonce();
  try {
    if (request.method === "GET") return await showConsent(request, env, nonce);
    if (request.method === "POST") return await submitConsent(request, env, nonce);
    return new Response(messageHtml("Method not allowed", "Use GET or POST.", nonce), {
      status: 405,
      headers: pageHeaders(nonce, undefined),
    });
  } catch (error) {
    if (error instanceof AuthorizationError && error.redirectTo) return Response.redirect(error.redirectTo, 302);
    if (error instanceof AuthorizationError || error instanceof CimdFetchError) {
      const message = error instanceof AuthorizationError ? error.description : "This app could not be verified.";
      return new Response(messageHtml("This authorization request cannot continue", message, nonce), {
        status: 400,
        headers: pageHeaders(nonce, undefined),
      });
    }
    throw error;
  }
}

async function showConsent(request: Request, env: Env, nonce: string, error?: string, handle?: string): Promise<Response> {
  const oauth = helpers(env);
  const authReq = await oauth.parseAuthRequest(request);
  const details = await oauth.describeConsent(authReq);
  let headers: Headers | undefined;
  let h = handle;
  if (h === undefined) {
    const consent = await oauth.beginConsent(authReq);
    headers = consent.headers;
    h = consent.handle;
  }
  const html = consentHtml(
    { details, offered: offeredScopes(authReq), handle: h, collectsKey: identityProvider(env).collectsKey, error },
    nonce,
  );
  return new Response(html, { status: error ? 401 : 200, headers: pageHeaders(nonce, redirectOrigin(details.redirectUri), headers) });
}

async function submitConsent(request: Request, env: Env, nonce: string): Promise<Response> {
  const oauth = helpers(env);
  const form = await request.clone().formData();
  const handle = form.get("handle");
  if (typeof handle !== "string" || handle.length === 0 || handle.length > 500) {
    throw new AuthorizationError("invalid_request", { description: "The consent form is missing its handle. Start again from the app." });
  }
  if (form.get("decision") !== "approve") {
    const denied = await oauth.denyConsent(request, handle);
    log("info", "oauth_consent", { outcome: "denied" });
    return new Response(null, { status: 302, headers: denied.headers });
  }
  const identity = await identityProvider(env).identify(request, form);
  if (!identity) {
    log("warn", "oauth_consent", { outcome: "bad_access_key" });
    // The handle is not consumed: the same page can be submitted again with the right key.
    return showConsent(request, env, nonce, "That access key was not accepted. Check it and try again.", handle);
  }
  const ticked = normaliseScopes(form.getAll("scope").filter((v): v is string => typeof v === "string"));
  const granted = ticked.filter((s) => identity.maxScopes.includes(s));
  if (granted.length === 0) {
    const allowed = identity.maxScopes.join(", ");
    return showConsent(request, env, nonce, `Tick at least one permission your key may grant (${allowed}).`, handle);
  }
  const approved = await oauth.approveConsent(request, handle, { scope: granted });
  const props: AuthContext = { principal: `oauth:${identity.name}`, method: "oauth", scopes: granted };
  const { redirectTo } = await oauth.completeAuthorization({
    request: approved.request,
    userId: identity.name,
    metadata: { principal: props.principal },
    scope: granted,
    props,
  });
  log("info", "oauth_consent", { outcome: "approved", principal: props.principal, scopes: granted.join(" ") });
  approved.headers.set("Location", redirectTo);
  return new Response(null, { status: 302, headers: approved.headers });
}
