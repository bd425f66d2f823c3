//! Enumerations of the protocol: trade type, trade state, refund status.

use core::fmt;

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $var:ident = $wire:literal, $desc:literal; )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vm])* #[doc = $desc] $var, )*
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$var),*];

            /// The wire value.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $( Self::$var => $wire, )* }
            }

            /// WeChat's Chinese description.
            #[must_use]
            pub const fn desc(self) -> &'static str {
                match self { $( Self::$var => $desc, )* }
            }

            /// Parses the wire value (exact, case-sensitive).
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                match s { $( $wire => Some(Self::$var), )* _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// `trade_type` (docs/protocol.md §2.4).
    TradeType {
        /// Mini programs and official accounts.
        Jsapi = "JSAPI", "JSAPI支付（小程序、公众号）";
        /// QR-code payment; needs `product_id`.
        Native = "NATIVE", "Native支付";
        /// In-app payment.
        App = "APP", "APP支付";
        /// H5 payment in a mobile browser.
        Mweb = "MWEB", "H5支付";
    }
}

wire_enum! {
    /// `trade_state` (docs/protocol.md §2.7).
    TradeState {
        /// Paid.
        Success = "SUCCESS", "支付成功";
        /// Refund in progress or done.
        Refund = "REFUND", "转入退款";
        /// Not paid yet.
        NotPay = "NOTPAY", "未支付";
        /// Closed.
        Closed = "CLOSED", "已关闭";
        /// Revoked (micropay only).
        Revoked = "REVOKED", "已撤销（付款码支付）";
        /// The user is paying (micropay only).
        UserPaying = "USERPAYING", "用户支付中（付款码支付）";
        /// Payment failed.
        PayError = "PAYERROR", "支付失败(其他原因，如银行返回失败)";
        /// Accepted, waiting for the debit.
        Accept = "ACCEPT", "已接收，等待扣款";
    }
}

impl TradeState {
    /// Terminal states never change again (REFUND aside, which follows SUCCESS).
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        !matches!(self, Self::NotPay | Self::UserPaying | Self::Accept)
    }

    /// The order has been paid: SUCCESS, or REFUND (a paid order with a
    /// refund; docs/protocol.md §2.7).
    #[must_use]
    pub const fn is_paid(self) -> bool {
        matches!(self, Self::Success | Self::Refund)
    }
}

wire_enum! {
    /// `refund_status` (docs/protocol.md §2.7, §2.9).
    RefundStatus {
        /// Refunded.
        Success = "SUCCESS", "退款成功";
        /// Closed.
        RefundClose = "REFUNDCLOSE", "退款关闭";
        /// Processing.
        Processing = "PROCESSING", "退款处理中";
        /// Abnormal: the user's card is invalid; handle manually.
        Change = "CHANGE", "退款异常";
    }
}

wire_enum! {
    /// `bill_type` of downloadbill.
    BillType {
        /// All orders of the day.
        All = "ALL", "当日所有订单信息";
        /// Successful payments.
        Success = "SUCCESS", "当日成功支付的订单";
        /// Refunds.
        Refund = "REFUND", "当日退款订单";
        /// Refunds of recharge-funded coupons.
        RechargeRefund = "RECHARGE_REFUND", "当日充值退款订单";
    }
}
