export { createLocalLease } from '../store/local-lease.js'
