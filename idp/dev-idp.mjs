// Development OpenID Connect provider (the npm package oidc-provider) with the test identities of
// identities.json: for the demo and the automated tests, never for production. Its login page
// lists the identities; choosing one logs in as it (consent is automatic). Settings:
//   DEV_IDP_PORT              port on 127.0.0.1 (9400)
//   DEV_IDP_ISSUER            issuer URL (http://127.0.0.1:$DEV_IDP_PORT)
//   DEV_IDP_CLIENT_ID         the one client, confidential, client_secret_basic (credit-portal)
//   DEV_IDP_CLIENT_SECRET     its secret (dev-secret)
//   DEV_IDP_REDIRECT_URIS     comma-separated (http://127.0.0.1:5000/login/callback,http://localhost:5000/login/callback)
//   DEV_IDP_POST_LOGOUT_URIS  comma-separated (http://127.0.0.1:5000/,http://localhost:5000/)
//   DEV_IDP_KEYS              JWKS file of private signing keys, made if missing; the first key
//                             signs, the others are still published (keys.json next to this file)
// It refuses to start when CREDIT_PRODUCTION is 1, true or yes.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;

if (['1', 'true', 'yes'].includes((env.CREDIT_PRODUCTION || '').trim().toLowerCase())) {
  console.error('dev-idp: refusing to start: CREDIT_PRODUCTION is on, and this provider logs anyone in '
    + 'as a test identity. Use the real identity provider (CREDIT_OIDC_ISSUER).');
  process.exit(2);
}

const { default: Provider, interactionPolicy } = await import('oidc-provider');

const list = (value, fallback) => (value || fallback).split(',').map((s) => s.trim()).filter(Boolean);
const port = Number(env.DEV_IDP_PORT || 9400);
const issuer = env.DEV_IDP_ISSUER || `http://127.0.0.1:${port}`;
const clientId = env.DEV_IDP_CLIENT_ID || 'credit-portal';
const identities = JSON.parse(readFileSync(join(here, 'identities.json'), 'utf8'));
const accounts = new Map(Object.values(identities).map((i) => [i.claims.sub, i.claims]));

function signingKeys(path) {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
    writeFileSync(path, `${JSON.stringify({ keys: [key] }, null, 1)}\n`, { mode: 0o600 });
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}
.warn{background:#fff3cd;border:1px solid #e0b400;padding:.5rem 1rem}
li{margin:.8rem 0}button{font-size:1rem;padding:.3rem .8rem}small{color:#555}</style></head>
<body><p class="warn"><strong>开发用身份提供方 — 仅供测试</strong>：不核验任何身份，选谁就以谁的身份登录。</p>
${body}</body></html>`;
}

function loginPage(uid) {
  const items = Object.entries(identities).map(([key, { label, claims }]) => {
    const code = claims.uscc ? `统一社会信用代码 ${claims.uscc}` : `身份证号码 ${claims.id_number}`;
    return `<li><form method="post" action="/interaction/${escape(uid)}/login">
<input type="hidden" name="identity" value="${escape(key)}">
<button type="submit">以「${escape(claims.name)}」登录</button><br>
<small>${escape(claims.subject_type)} · ${escape(code)}<br>${escape(label)}</small></form></li>`;
  });
  return page('选择测试身份', `<h1>选择测试身份登录</h1><ul>${items.join('\n')}</ul>`);
}

// Always show the identity list (also when a provider session exists), so each login can pick anyone.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check('choose_identity', 'a test identity is chosen at every login',
  (ctx) => (ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT)));

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: env.DEV_IDP_CLIENT_SECRET || 'dev-secret',
    client_name: '信用信息公示查询平台（开发）',
    redirect_uris: list(env.DEV_IDP_REDIRECT_URIS, 'http://127.0.0.1:5000/login/callback,http://localhost:5000/login/callback'),
    post_logout_redirect_uris: list(env.DEV_IDP_POST_LOGOUT_URIS, 'http://127.0.0.1:5000/,http://localhost:5000/'),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: signingKeys(env.DEV_IDP_KEYS || join(here, 'keys.json')),
  cookies: { keys: [randomBytes(32).toString('hex')] },
  responseTypes: ['code'],
  scopes: ['openid', 'profile'],
  claims: { openid: ['sub'], profile: ['name', 'subject_type', 'uscc', 'id_number'] },
  conformIdTokenClaims: false,          // the profile claims go into the ID token itself
  pkce: { methods: ['S256'], required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        const button = '<button type="submit" name="logout" value="yes">退出登录</button></form>';
        ctx.body = page('退出登录', `<h1>退出开发用身份提供方的登录？</h1>${form.replace('</form>', button)}`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('已退出', '<h1>已退出登录</h1>');
      },
    },
  },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const claims = accounts.get(sub);
    return claims && { accountId: sub, claims: async () => ({ ...claims }) };
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('出错了', `<h1>出错了</h1>${Object.entries(out).map(([k, v]) => `<p>${escape(k)}: ${escape(v)}</p>`).join('')}`);
  },
});

async function formBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) break;
  }
  return new URLSearchParams(body);
}

// The login interaction: GET shows the identities, POST …/login logs in as one and grants the
// requested scopes at once.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return next();
  ctx.set('Cache-Control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET' && !match[2]) {
    ctx.type = 'html';
    ctx.body = loginPage(details.uid);
    return undefined;
  }
  if (ctx.method !== 'POST' || !match[2]) ctx.throw(405);
  const identity = identities[(await formBody(ctx.req)).get('identity')];
  if (!identity) ctx.throw(400, 'unknown test identity');
  const accountId = identity.claims.sub;
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const result = { login: { accountId }, consent: { grantId: await grant.save() } };
  ctx.status = 303;
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  return undefined;
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`dev-idp: development OpenID Connect provider (test identities only) at ${issuer}`);
});
