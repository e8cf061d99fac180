// The shapes the sandbox API server stores and answers with: plain JSON objects, as on the
// wire. Kept loose on purpose: the server must accept whatever a real client sends.
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  finalizers?: string[];
  [key: string]: unknown;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: any;
}

/** A stored object always has a name, uid and resourceVersion. */
export interface StoredObject extends KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string; uid: string; resourceVersion: string; creationTimestamp: string };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  /** the resource's key, such as `apps/deployments` or `pods` */
  resource: string;
  object: StoredObject;
  resourceVersion: number;
}

/** One cause of a 422 Invalid: the field and what is wrong with it. */
export interface StatusCause { reason?: string; message: string; field?: string }

export type Subresource = 'status' | 'scale' | 'eviction';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  subresources: Subresource[];
  /** metadata.generation counts changes to everything but metadata and status */
  generation: boolean;
  /** fields a field selector may name, besides metadata.name and metadata.namespace */
  fields: string[];
  nameKind: 'label' | 'subdomain';
  /** served from elsewhere (metrics): list and get only */
  readOnly?: boolean;
  /** fields that are read as MicroTime and must carry microseconds */
  microTimes?: string[];
  /** a field the API server could not decode into its Go type: the 400's text */
  decode?(obj: KObject): string | undefined;
  defaults?(obj: KObject): void;
  validate?(obj: KObject): StatusCause[];
  validateUpdate?(obj: KObject, old: StoredObject): StatusCause[];
}
