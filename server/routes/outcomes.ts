import { newRouter, type RouteModule } from '../context';

export const outcomeRoutes: RouteModule = () => newRouter();
