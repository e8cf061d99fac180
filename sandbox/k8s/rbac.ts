// Authentication and RBAC authorization, as kube-apiserver does them, for servers started
// with `authorization: 'rbac'`. Bearer tokens map to users (a service account's token to
// `system:serviceaccount:<ns>:<name>`); no token is `system:anonymous`; an unknown token is
// 401. Roles, ClusterRoles and their bindings are ordinary objects in the store, so a test
// loads them as it would apply manifests. The rule matching follows
// k8s.io/kubernetes/pkg/apis/rbac/v1/evaluation_helpers.go and the 403 text
// k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go (forbiddenMessage).
import { randomBytes } from 'node:crypto';
import type { ObjectStore } from './store.ts';
import { resourceByKey } from './resources.ts';
import { ApiError } from './status.ts';

export interface UserInfo {
  name: string;
  groups: string[];
}

/** What the authorizer decides on (authorizer.Attributes). */
export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  /** the URL path, for non-resource requests */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
/** kube-apiserver's privileged group: members are allowed everything, whatever RBAC says. */
export const MASTERS = 'system:masters';
// What the default system:discovery and system:public-info-viewer bindings allow.
const PUBLIC_PATHS = ['/healthz', '/livez', '/readyz', '/version'];
const DISCOVERY = /^\/(api|apis)(\/|$)|^\/openapi\//;
// The one namespace subresources in the path grammar (RequestInfoFactory.namespaceSubresources).
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface Subject { kind: string; name: string; namespace?: string; apiGroup?: string }
interface Binding { metadata: { namespace?: string }; roleRef: { kind: string; name: string }; subjects?: Subject[] }

export class Authenticator {
  private readonly tokens = new Map<string, UserInfo>();

  /** A new bearer token for `user`. */
  issueToken(user: UserInfo): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { name: user.name, groups: [...new Set([...user.groups, 'system:authenticated'])] });
    return token;
  }

  /** A token for the ServiceAccount `namespace/name`, with the groups Kubernetes gives it. */
  serviceAccountToken(namespace: string, name: string): string {
    return this.issueToken({ name: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`] });
  }

  /** A cluster-admin token (system:masters), for test set-up that is not under test. */
  adminToken(): string {
    return this.issueToken({ name: 'kubernetes-admin', groups: [MASTERS] });
  }

  /** The user behind an Authorization header; 401 for a token nobody issued. */
  authenticate(header: string | undefined): UserInfo {
    if (!header) return ANONYMOUS;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const user = m ? this.tokens.get(m[1]!) : undefined;
    if (!user) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    return user;
  }
}

/** The verb of a request (RequestInfoFactory): get/list/watch/create/update/patch/delete/deletecollection. */
function verbOf(method: string, hasName: boolean, query: URLSearchParams): string {
  switch (method) {
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return hasName ? 'delete' : 'deletecollection';
    default: {
      const watch = query.get('watch');
      if (watch === 'true' || watch === '1') return 'watch';
      return hasName ? 'get' : 'list';
    }
  }
}

/** Parses a request the way kube-apiserver's RequestInfoFactory does. */
export function requestAttributes(user: UserInfo, method: string, url: URL): RequestAttributes {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const base = { user, path, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) { base.apiVersion = parts[1]!; rest = parts.slice(2); }
  else if (parts[0] === 'apis' && parts.length >= 3) { base.apiGroup = parts[1]!; base.apiVersion = parts[2]!; rest = parts.slice(3); }
  else return { ...base, verb: method.toLowerCase() === 'head' ? 'get' : method.toLowerCase(), resourceRequest: false };
  if (rest.length === 0) return { ...base, verb: method.toLowerCase(), resourceRequest: false };
  if (rest[0] === 'namespaces' && rest.length > 1) {
    base.namespace = rest[1]!;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  base.resource = rest[0]!;
  base.name = rest[1] ?? '';
  base.subresource = rest[2] ?? '';
  return { ...base, verb: verbOf(method, base.name !== '', url.searchParams), resourceRequest: true };
}

const has = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);

function resourceMatches(rule: PolicyRule, a: RequestAttributes): boolean {
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return (rule.resources ?? []).some((r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
}

export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) {
    return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  return has(rule.apiGroups, a.apiGroup) && resourceMatches(rule, a)
    && (!rule.resourceNames?.length || rule.resourceNames.includes(a.name));
}

function appliesTo(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User': return s.name === user.name;
    case 'Group': return user.groups.includes(s.name);
    case 'ServiceAccount': return user.name === `system:serviceaccount:${s.namespace ?? bindingNamespace ?? ''}:${s.name}`;
    default: return false;
  }
}

const ROLES = resourceByKey('rbac.authorization.k8s.io/roles');
const CLUSTER_ROLES = resourceByKey('rbac.authorization.k8s.io/clusterroles');
const ROLE_BINDINGS = resourceByKey('rbac.authorization.k8s.io/rolebindings');
const CLUSTER_ROLE_BINDINGS = resourceByKey('rbac.authorization.k8s.io/clusterrolebindings');

function rulesOf(store: ObjectStore, ref: Binding['roleRef'], namespace: string | undefined): PolicyRule[] {
  const role = ref.kind === 'ClusterRole' ? store.tryGet(CLUSTER_ROLES, undefined, ref.name) : store.tryGet(ROLES, namespace, ref.name);
  return (role?.rules as PolicyRule[] | undefined) ?? [];
}

/** True when some binding for the user grants the request (RBAC never denies, it only allows). */
export function authorize(store: ObjectStore, a: RequestAttributes): boolean {
  if (a.user.groups.includes(MASTERS)) return true;
  if (!a.resourceRequest) {
    // system:public-info-viewer (everyone) and system:discovery (authenticated users).
    if (PUBLIC_PATHS.includes(a.path)) return true;
    if (DISCOVERY.test(a.path) && a.user.groups.includes('system:authenticated') && a.verb === 'get') return true;
  }
  const clusterBindings = store.list(CLUSTER_ROLE_BINDINGS, undefined, {}).items as unknown as Binding[];
  for (const b of clusterBindings) {
    if ((b.subjects ?? []).some((s) => appliesTo(s, a.user, undefined)) && rulesOf(store, b.roleRef, undefined).some((r) => ruleAllows(r, a))) return true;
  }
  if (!a.namespace) return false;
  const bindings = store.list(ROLE_BINDINGS, a.namespace, {}).items as unknown as Binding[];
  for (const b of bindings) {
    if ((b.subjects ?? []).some((s) => appliesTo(s, a.user, a.namespace)) && rulesOf(store, b.roleRef, a.namespace).some((r) => ruleAllows(r, a))) return true;
  }
  return false;
}

/** The 403 kube-apiserver answers, word for word. */
export function forbidden(a: RequestAttributes): ApiError {
  let why: string;
  if (!a.resourceRequest) why = `User "${a.user.name}" cannot ${a.verb} path "${a.path}"`;
  else {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    why = a.namespace
      ? `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" in the namespace "${a.namespace}"`
      : `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" at the cluster scope`;
  }
  // apierrors.NewForbidden(GroupResource{group, resource}, name, err)
  const qualified = a.resource ? (a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource) : '';
  const message = !qualified ? `forbidden: ${why}` : a.name ? `${qualified} "${a.name}" is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  return new ApiError(403, 'Forbidden', message, { ...(a.name ? { name: a.name } : {}), ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource });
}
