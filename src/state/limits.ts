/**
 * The most allowlist entries a deployment holds, static (configuration) and
 * dynamic (admin API) together. One number for every part that takes them:
 * the configuration refuses more static entries, the admin API refuses a
 * dynamic entry that would pass it, and the firewall helper refuses a
 * request that carries more. The firewall renders them as merged ranges in
 * one chain per family, so 100 000 static entries and room for dynamic ones
 * go in with a single iptables-restore each.
 */
export const MAX_ALLOWLIST_ENTRIES = 120_000
