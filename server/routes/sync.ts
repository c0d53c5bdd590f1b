import { newRouter, type RouteModule } from '../context';

export const syncRoutes: RouteModule = () => newRouter();
