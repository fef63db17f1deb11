// The /object_info types live in one place for the whole core: the converter reads the same definitions the checks do.
export type { ObjectInfo, ObjectInfoInputOptions, ObjectInfoInputSpec, ObjectInfoInputType, ObjectInfoNode } from '../object-info'
