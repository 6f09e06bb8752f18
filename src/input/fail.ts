/** Names the key it refuses; the config and the API each throw their own error. */
export type Fail = (key: string, why: string) => never
