import type { SurfaceFactory } from '../surface.js';

/** Each surface's module is loaded only in the worker that fuzzes it. */
export const SURFACES: Record<string, SurfaceFactory> = {
  'kith-judge': async () => (await import('./kith-judge.js')).kithJudgeSurface(),
  'cms-unprotect': async () => (await import('./cms-unprotect.js')).cmsUnprotectSurface(),
};
SURFACES['msh-client'] = async () => (await import('./msh-client.js')).mshClientSurface();
SURFACES['ar-soap'] = async () => (await import('./ar-soap.js')).arSoapSurface();
SURFACES['ar-rest'] = async () => (await import('./ar-rest.js')).arRestSurface();
SURFACES['clinics-file'] = async () => (await import('./clinics-file.js')).clinicsFileSurface();
SURFACES.settings = async () => (await import('./settings.js')).settingsSurface();
SURFACES['epj-api'] = async () => (await import('./epj-api.js')).epjApiSurface();
SURFACES.cppa = async () => (await import('./cppa.js')).cppaSurface();
