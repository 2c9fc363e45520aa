/** The surfaces, in the order they are fuzzed (the slow ones first, so two at once finish together). */
export const SURFACE_NAMES: readonly string[] = [
  'epj-api',
  'kith-judge',
  'cms-unprotect',
  'msh-client',
  'ar-soap',
  'ar-rest',
  'clinics-file',
  'settings',
  'cppa',
];
