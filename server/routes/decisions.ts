import { newRouter, type RouteModule } from '../context';

export const decisionRoutes: RouteModule = () => newRouter();
