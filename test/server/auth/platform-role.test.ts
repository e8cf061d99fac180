// Platform roles from an identity provider's claims: verified admin e-mails and groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupsIn, listOf, mapsRoles, platformRoleFor, type RoleMapping } from '../../../server/auth/platform-role.ts';

const mapping: RoleMapping = {
  adminEmails: listOf('Root@Example.com, ops@example.com', true),
  groupsClaim: 'groups',
  groups: { admin: ['platform-admins'], sre: listOf('platform-sre, oncall'), viewer: ['everyone'] },
};

test('a listed e-mail is admin whatever its groups, compared without case', () => {
  assert.equal(platformRoleFor(mapping, 'root@EXAMPLE.com', ['everyone']), 'admin');
});

test('an address no longer listed and in no group has no platform role', () => {
  const without = { ...mapping, adminEmails: ['ops@example.com'] };
  assert.equal(platformRoleFor(without, 'root@example.com', []), null);
});

test('the highest role among the groups wins', () => {
  assert.equal(platformRoleFor(mapping, undefined, ['everyone', 'oncall']), 'sre');
  assert.equal(platformRoleFor(mapping, undefined, ['everyone']), 'viewer');
  assert.equal(platformRoleFor(mapping, undefined, ['everyone', 'platform-admins', 'oncall']), 'admin');
});

test('groups match exactly: a prefix or another case is another group', () => {
  assert.equal(platformRoleFor(mapping, undefined, ['platform-admins-readonly', 'OnCall']), null);
});

test('groups come as an array or a separated string; anything else is none', () => {
  assert.deepEqual(groupsIn({ groups: ['a', 2, 'b'] }, 'groups'), ['a', 'b']);
  assert.deepEqual(groupsIn({ roles: 'a b,c' }, 'roles'), ['a', 'b', 'c']);
  assert.deepEqual(groupsIn({ groups: { a: true } }, 'groups'), []);
  assert.deepEqual(groupsIn({}, 'groups'), []);
});

test('with no e-mails and no groups configured, sign-in leaves roles alone', () => {
  assert.equal(mapsRoles({ adminEmails: [], groupsClaim: 'groups', groups: { admin: [], sre: [], viewer: [] } }), false);
  assert.equal(mapsRoles({ adminEmails: [], groupsClaim: 'groups', groups: { admin: [], sre: ['x'], viewer: [] } }), true);
});
