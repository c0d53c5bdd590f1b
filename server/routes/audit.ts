import { newRouter, type RouteModule } from '../context';

export const auditRoutes: RouteModule = () => newRouter();
