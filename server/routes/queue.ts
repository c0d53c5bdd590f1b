import { newRouter, type RouteModule } from '../context';

export const queueRoutes: RouteModule = () => newRouter();
