// The pay page: wx.login → the shop's backend (which calls jscode2session,
// unifiedorder and signs paySign with the API key it keeps) →
// wx.requestPayment with the object the backend returned.
//
// The API key never belongs here: anyone can unpack a Mini Program.
const API = 'https://shop.example.com';

Component({
  data: {
    status: 'ready',
    message: '',
  },
  methods: {
    onPay() {
      if (this.data.status === 'paying') return;
      this.setData({ status: 'paying', message: '' });
      wx.showLoading({ title: 'Paying', mask: true });
      wx.login({
        success: ({ code }) => {
          wx.request({
            url: `${API}/api/pay`,
            method: 'POST',
            data: { code, product: 'demo' },
            success: (res) => {
              if (res.statusCode !== 200) {
                this.finish('failed', (res.data && res.data.error) || `HTTP ${res.statusCode}`);
                return;
              }
              const p = res.data;
              wx.requestPayment({
                timeStamp: p.timeStamp,
                nonceStr: p.nonceStr,
                package: p.package,
                signType: p.signType,
                paySign: p.paySign,
                success: () => this.finish('paid', ''),
                fail: (err) =>
                  this.finish(err.errMsg === 'requestPayment:fail cancel' ? 'cancelled' : 'failed', err.errMsg),
              });
            },
            fail: (err) => this.finish('failed', err.errMsg),
          });
        },
        fail: (err) => this.finish('failed', err.errMsg),
      });
    },
    finish(status, message) {
      wx.hideLoading();
      this.setData({ status, message });
      if (status === 'paid') wx.showToast({ title: 'Paid', icon: 'success' });
    },
  },
});
