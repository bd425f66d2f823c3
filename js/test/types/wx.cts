// Type-drift test for wxpay-devkit/wx: init(path) takes a package path only.
import wx = require('wxpay-devkit/wx');

export const _init: (path: string) => Promise<void> = wx.init;
export const _doctor: (path: string) => Promise<void> = wx.initDoctor;
export const _sign: (params: wx.Params, key: string, signType?: wx.SignType) => string = wx.sign;
// @ts-expect-error WXWebAssembly takes a path, not bytes
wx.init(new Uint8Array(0));
