// A loopback STS (query protocol) that verifies every request's SigV4 signature with the npm
// package aws4 (pinned in package.json), and answers GetCallerIdentity and AssumeRole as STS
// does, errors included (SignatureDoesNotMatch, InvalidClientTokenId, AccessDenied).
//   node web/tests/sts_server.mjs --key AKID:SECRET:ACCOUNT:USERNAME [--key ...] [--port 0]
// Prints "listening PORT" once ready. AssumeRole hands out temporary keys that the server then
// accepts (with their session token), so a role chain can be followed end to end. With
// --container-token T it also plays the ECS container credentials endpoint: GET
// /container-credentials with "Authorization: T" answers temporary keys of the first --key's
// account, as role ContainerTask.
import http from 'node:http';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const aws4 = require('aws4');

const { values } = parseArgs({
  options: {
    key: { type: 'string', multiple: true, default: [] },
    port: { type: 'string', default: '0' },
    'container-token': { type: 'string' },
  },
});
// access key id -> {secret, token, account, arn, userId}
const identities = new Map();
for (const spec of values.key) {
  const [id, secret, account, user] = spec.split(':');
  identities.set(id, { secret, token: '', account, arn: `arn:aws:iam::${account}:user/${user}`, userId: id });
}

const xmlns = 'https://sts.amazonaws.com/doc/2011-06-15/';
function error(response, status, code, message) {
  response.writeHead(status, { 'Content-Type': 'text/xml' });
  response.end(
    `<ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>${code}</Code>` +
      `<Message>${message}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
  );
}
function answer(response, action, inner) {
  response.writeHead(200, { 'Content-Type': 'text/xml' });
  response.end(
    `<${action}Response xmlns="${xmlns}"><${action}Result>${inner}</${action}Result>` +
      `<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

// Re-signs the request with aws4 over the headers the client signed; true when it matches.
function verify(request, body) {
  const authorization = request.headers.authorization || '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return { code: 'IncompleteSignature', message: 'Authorization header is not SigV4' };
  const [, id, , region, service, signedHeaders, signature] = match;
  const identity = identities.get(id);
  if (!identity) return { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };
  if (identity.token && request.headers['x-amz-security-token'] !== identity.token) {
    return { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };
  }
  const headers = {};
  for (const name of signedHeaders.split(';')) headers[name] = request.headers[name];
  // The time signed is the request's X-Amz-Date: with doNotModifyHeaders aws4 would take the
  // clock's, and a request signed just before a second ticked over would not match.
  const stamp = request.headers['x-amz-date'] || '';
  const skew = Math.abs(Date.now() - Date.parse(stamp.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')));
  if (!(skew <= 15 * 60 * 1000)) {
    return { code: 'SignatureDoesNotMatch', message: `Signature expired or X-Amz-Date '${stamp}' unreadable: it must be within 15 minutes of the server's time.` };
  }
  const signer = new aws4.RequestSigner(
    { host: request.headers.host, method: request.method, path: request.url, headers, body, service, region, doNotModifyHeaders: true },
    { accessKeyId: id, secretAccessKey: identity.secret },
  );
  signer.datetime = stamp;
  const expected = /Signature=([0-9a-f]{64})/.exec(signer.sign().headers.Authorization)[1];
  if (expected !== signature) {
    return {
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    };
  }
  return { identity };
}

function temporaryKeys(account, role, session) {
  const id = 'ASIA' + crypto.randomBytes(8).toString('hex').toUpperCase();
  const secret = crypto.randomBytes(20).toString('base64');
  const token = crypto.randomBytes(32).toString('base64');
  const arn = `arn:aws:sts::${account}:assumed-role/${role}/${session}`;
  identities.set(id, { secret, token, account, arn, userId: `AROA${account}:${session}` });
  const expiration = new Date(Date.now() + 3600 * 1000).toISOString();
  return { id, secret, token, arn, expiration };
}

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/container-credentials') {
    if (!values['container-token'] || request.headers.authorization !== values['container-token']) {
      response.writeHead(401, { 'Content-Type': 'application/json' });
      return response.end('{"message": "unauthorized"}');
    }
    const first = identities.values().next().value;
    const keys = temporaryKeys(first.account, 'ContainerTask', 'container');
    response.writeHead(200, { 'Content-Type': 'application/json' });
    return response.end(JSON.stringify({
      AccessKeyId: keys.id, SecretAccessKey: keys.secret, Token: keys.token,
      Expiration: keys.expiration, RoleArn: `arn:aws:iam::${first.account}:role/ContainerTask`,
    }));
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const checked = verify(request, body);
    if (!checked.identity) return error(response, 403, checked.code, checked.message);
    const form = new URLSearchParams(body);
    const identity = checked.identity;
    switch (form.get('Action')) {
      case 'GetCallerIdentity':
        return answer(response, 'GetCallerIdentity',
          `<Arn>${identity.arn}</Arn><UserId>${identity.userId}</UserId><Account>${identity.account}</Account>`);
      case 'AssumeRole': {
        const roleArn = form.get('RoleArn') || '';
        const session = form.get('RoleSessionName') || '';
        const role = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
        if (!role || !session) return error(response, 400, 'ValidationError', `invalid RoleArn ${roleArn} or RoleSessionName`);
        const { id, secret, token, arn, expiration } = temporaryKeys(role[1], role[2], session);
        return answer(response, 'AssumeRole',
          `<Credentials><AccessKeyId>${id}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey>` +
            `<SessionToken>${token}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
            `<AssumedRoleUser><Arn>${arn}</Arn><AssumedRoleId>AROA${role[1]}:${session}</AssumedRoleId></AssumedRoleUser>`);
      }
      default:
        return error(response, 400, 'InvalidAction', `Could not find operation ${form.get('Action')}`);
    }
  });
});
server.listen(Number(values.port), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
