import { newRouter, type RouteModule } from '../context';

export const draftRoutes: RouteModule = () => newRouter();
