/**
 * Labels and names Ultron puts on the objects it creates. The operator's cache indexes Jobs and Pods by
 * `ultron.dev/hpojob` (ARCHITECTURE §8), so a reconcile never lists.
 */
export const LABELS = {
  hpoJob: 'ultron.dev/hpojob',
  trial: 'ultron.dev/trial',
  index: 'ultron.dev/index',
} as const;

/** The names Ultron adds to a trial pod; a user template that already uses one is refused. */
export const RESERVED = {
  /** The emptyDir shared by every container at POD_ULTRON_DIR. */
  volume: 'ultron',
  agentContainer: 'ultron-agent',
  restoreContainer: 'ultron-restore',
} as const;

/** `kubectl logs <pod>` shows this container when no `-c` is given (the trainer, not the agent). */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';
