import { agentEn } from "./agent.en.ts";

/** English messages. Keys are flat; `{{name}}` placeholders; money arrives pre-formatted. */
export const en = {
  "common.back": "« Back",
  "common.menu": "☰ Menu",
  "common.cancel": "✖ Cancel",
  "common.cancelled": "Cancelled. What next?",
  "common.error": "Sorry, something went wrong on our side. Please try again in a moment.",
  "common.busy": "You are doing two things at once. Please try again.",
  "common.invalid_button": "This button is no longer valid. Here is the current menu.",
  "common.use_buttons": "Please use the buttons below (or send /help).",
  "common.file_not_expected": "I can't use files here. Please use the buttons below (or send /help).",
  "common.unknown_command": "I don't know /{{command}}. Send /help to see what I can do.",

  "menu.title": "What would you like to do?",
  "menu.shop": "🛒 Shop",
  "menu.orders": "📦 My orders",
  "menu.balance": "💰 Balance",
  "menu.topup": "➕ Top up",
  "menu.help": "❓ Help",
  "menu.language": "🌐 Language",
  "menu.link": "🔗 Link another app",

  "start.welcome": "Welcome, {{name}}! Buy game cards, phone credit and memberships here; codes arrive in this chat.",
  "start.welcome_back": "Welcome back, {{name}}!",

  "help.text":
    "How it works: pick a category, a product and a quantity, confirm, and pay from your wallet (top up when it runs low). Your code is delivered privately in this chat.\n\nCommands:\n/start – main menu\n/shop – browse products\n/orders – your orders\n/balance – wallet balance\n/topup – add money\n/lang – language\n/link – link another app to this account\n/verify – real-name verification\n/cancel – cancel what you are doing",

  "shop.categories_title": "Choose a category:",
  "shop.no_categories": "The shop is empty right now. Please check back later.",
  "shop.products_title": "{{category}} — choose a product:",
  "shop.no_products": "Nothing for sale in this category right now.",
  "shop.product_line": "{{name}} · {{price}} · {{stock}}",
  "shop.stock_count": "{{count}} in stock",
  "shop.stock_out": "sold out",
  "shop.stock_direct": "instant top-up",
  "shop.card_price": "Price: {{price}}",
  "shop.card_face": "Face value: {{face}}",
  "shop.card_stock": "Stock: {{count}}",
  "shop.card_backorder": "Stock: sold out — orders are taken and delivered on restock (补单), or refunded",
  "shop.card_sold_out": "Stock: sold out",
  "shop.card_limits": "Quantity: {{min}}–{{max}} per order",
  "shop.card_direct_mobile": "Delivered as a top-up to a mainland China mobile number.",
  "shop.card_direct_mobile_carrier": "Delivered as a top-up to a {{carrier}} mobile number.",
  "shop.card_direct_account": "Delivered as a top-up to your game account.",
  "shop.card_code": "Delivered as a code in this private chat.",
  "shop.choose_quantity": "How many? Tap a number or type it.",
  "shop.other_quantity": "Other amount…",
  "shop.buy_in_private": "🛒 Buy in private chat",
  "shop.sold_out": "{{name}} is sold out right now.",
  "shop.notify_me": "🔔 Tell me when it's back",
  "shop.notify_ok": "OK — I'll tell you when {{name}} is back in stock.",
  "shop.restocked": "{{name}} is back in stock!",
  "shop.view_product": "View {{name}}",

  "search.results": "Products matching “{{query}}”:",
  "search.none": "No products match “{{query}}”. Browse the categories below, or try another name.",

  "carrier.CMCC": "China Mobile",
  "carrier.CUCC": "China Unicom",
  "carrier.CTCC": "China Telecom",
  "carrier.CBN": "China Broadnet",

  "qty.prompt": "Type the quantity ({{min}}–{{max}}):",
  "qty.placeholder": "e.g. 1",
  "qty.not_a_number": '"{{input}}" is not a number. Please type a whole number from {{min}} to {{max}}.',
  "qty.too_small": "The quantity must be at least {{min}}. Please type a number from {{min}} to {{max}}.",
  "qty.too_large": "At most {{max}} per order. Please type a number from {{min}} to {{max}}.",
  "qty.not_enough_stock": "Only {{available}} left. Please choose {{available}} or fewer.",

  "target.prompt_mobile": "Send the mobile number to top up (11 digits, mainland China):",
  "target.prompt_mobile_carrier": "Send the {{carrier}} mobile number to top up (11 digits):",
  "target.prompt_account": "Send the game account ID to top up:",
  "target.placeholder_mobile": "13800138000",
  "target.placeholder_account": "account ID",
  "target.required": "Please send the number to top up.",
  "target.invalid_mobile":
    '"{{input}}" is not a valid mainland China mobile number (11 digits starting with 1). Please send it again.',
  "target.wrong_carrier":
    "{{input}} is a {{got}} number, but this product only tops up {{expected}} numbers. Please send a {{expected}} number or choose another product.",
  "target.fitting_products": "These products top up {{got}} numbers; pick one to top up {{input}}:",
  "target.invalid_account":
    '"{{input}}" doesn\'t look like a valid account ID for this product. Please check it and send it again.',

  "confirm.title": "Please confirm your order",
  "confirm.line_product": "{{name}} × {{quantity}}",
  "confirm.line_target": "Top up: {{target}}",
  "confirm.line_total": "Total: {{total}}",
  "confirm.line_balance": "Wallet balance: {{balance}}",
  "confirm.short": "Your balance is {{shortfall}} short. Top up to continue.",
  "confirm.pay_wallet": "✅ Pay {{total}} from wallet",
  "confirm.topup": "➕ Top up {{amount}}",
  "confirm.pay_stars": "⭐ Pay {{amount}} with Stars",
  "confirm.price_changed": "The price changed from {{old}} to {{new}}. Please check the new total.",
  "confirm.changed": "This product changed since you looked at it. Here is the current version.",
  "confirm.gone": "Sorry, this product is no longer available.",
  "confirm.limits_changed": "The quantity limits changed ({{min}}–{{max}}). Please choose again.",
  "confirm.already_placed": "This order was already placed (order {{order}}).",
  "confirm.use_buttons": "Please tap Pay or Cancel below.",

  "order.awaiting_stock":
    "⏳ Order {{order}} ({{name}}) is paid ({{total}}) but sold out right now. It is next in line: you get the code here as soon as we restock, or your money back in your wallet if we cannot restock in time.",
  "order.placed_wallet":
    "✅ Paid {{total}} from your wallet. Order {{order}} is being prepared; your code will appear here in a moment.",
  "order.placed_wallet_direct": "✅ Paid {{total}} from your wallet. Order {{order}}: topping up {{target}} now.",
  "order.insufficient": "Your balance isn't enough for this order.",
  "order.kyc_required":
    "This order needs real-name verification first. Please verify your identity, then order again (reference {{reference}}).",
  "order.held_for_review":
    "✅ Paid {{total}} from your wallet. Order {{order}} is being checked and will continue once approved; if it is not, the money comes back to your wallet.",
  "topup.refused": "This top-up cannot be made now. Contact support and quote reference {{reference}}.",
  "topup.kyc_required": "Please verify your real name before this top-up (reference {{reference}}).",
  "order.blocked":
    "This order cannot be placed. If you think this is a mistake, contact support and quote reference {{reference}}.",
  "order.out_of_stock": "Sorry, not enough stock: only {{available}} left.",
  "order.fulfilling_direct": "⏳ Order {{order}}: topping up {{target}}…",
  "order.delivered_title": "🎁 Order {{order}} — {{name}} × {{quantity}}",
  "order.delivered_direct": "✅ Order {{order}} delivered: {{target}} was topped up with {{name}}.",
  "order.refunded_stars":
    "Sorry, we couldn't deliver order {{order}} ({{name}}). Your {{stars}} are being refunded to your Telegram account.",
  "order.refunded":
    "Sorry, we couldn't deliver order {{order}} ({{name}}). {{total}} was refunded to your wallet. New balance: {{balance}}.",
  "order.expired": "Order {{order}} expired unpaid and was cancelled.",
  "order.code_label": "Code",
  "order.password_label": "Password",
  "order.copy": "Copy",
  "order.keep_safe": "Keep your code safe; anyone who has it can use it.",

  "orders.title": "Your recent orders:",
  "orders.empty": "You have no orders yet.",
  "orders.line": "{{order}} · {{name}} × {{quantity}} · {{total}} · {{status}}",
  "orders.detail_title": "Order {{order}}",
  "orders.detail_product": "Product: {{name}} × {{quantity}}",
  "orders.detail_total": "Total: {{total}}",
  "orders.detail_status": "Status: {{status}}",
  "orders.detail_target": "Top-up target: {{target}}",
  "orders.detail_created": "Placed: {{date}}",
  "orders.resend": "🔁 Send the code again",
  "orders.resend_private_only": "Codes are only sent in a private chat.",
  "orders.no_codes": "This order has no codes to send (yet).",

  "status.CREATED": "awaiting payment",
  "status.PAID": "paid",
  "status.FULFILLING": "in progress",
  "status.AWAITING_STOCK": "paid, waiting for stock",
  "status.DELIVERED": "delivered",
  "status.FAILED": "failed",
  "status.REFUNDED": "refunded",
  "status.EXPIRED": "expired",
  "status.CANCELLED": "cancelled",
  "status.HELD_FOR_REVIEW": "being checked",

  "balance.text": "Your wallet balance: {{balance}}",
  "topup.title": "How much would you like to add?",
  "topup.amount": "{{amount}}",
  "topup.link": "Pay {{amount}} on the secure checkout page. Your balance updates here as soon as it is paid.",
  "topup.open": "💳 Pay {{amount}}",
  "withdrawal.paid": "🏦 Your withdrawal of {{amount}} was paid out: {{received}} is on its way to your account.",
  "withdrawal.rejected":
    "Your withdrawal of {{amount}} was declined ({{reason}}). The amount is available in your wallet again.",
  "withdrawal.expired":
    "Your withdrawal of {{amount}} was not reviewed in time. The amount is available in your wallet again.",
  "withdrawal.failed":
    "Your withdrawal of {{amount}} could not be paid out ({{reason}}). The amount is available in your wallet again; check your payout account.",
  "topup.received": "💰 Top-up of {{amount}} received. Balance: {{balance}}.",
  "topup.continue": "Continue with your order: {{name}} × {{quantity}} ({{total}})",
  "topup.unavailable": "Top-ups are not available right now.",

  "stars.beside": "{{price}} ({{stars}})",
  "stars.invoice_price":
    "Order {{order}}: {{price}} paid as {{stars}} ({{rate}} ⭐ per ¥1). Delivered privately in this chat.",
  "stars.price_changed":
    "The price in Stars changed since this invoice was sent ({{old}} → {{new}}). Nothing was charged: open the product again to pay the current price.",
  "stars.invoice_stale":
    "This invoice is no longer valid (the order expired or changed). Nothing was charged: open the product again to buy it.",
  "stars.already_paid": "This order is already paid. Nothing more was charged.",
  "stars.paid_credit": "✅ Payment of {{stars}} received for {{price}}. Order {{order}} is being prepared.",
  "stars.credited_instead":
    "This order could no longer be paid, so your {{stars}} payment was added to your balance: {{balance}}.",
  "stars.invoice_title": "{{name}} × {{quantity}}",
  "stars.invoice_description": "Order {{order}} — delivered privately in this chat.",
  "stars.not_payable": "This order can no longer be paid.",
  "stars.paid": "✅ Payment received. Order {{order}} is being prepared.",

  "group.private_only": "Let's continue in a private chat, so your codes and balance stay private.",
  "group.start_first": "Open a private chat with me and tap Start first — I can only send codes privately.",
  "group.open_private": "💬 Open private chat",
  "group.no_deep_link": "Please message me privately to buy.",

  "lang.choose": "Choose your language:",
  "lang.set": "Language set to English.",
  "lang.unknown": 'I don\'t know "{{input}}". Choose a language:',

  "link.intro":
    "Link another app (for example Telegram and the web chat) to this account, so both see the same wallet and orders.\n\nGet a code here and send it on the other app with /link CODE — or enter a code you got there.",
  "link.get_code": "🔑 Get a link code",
  "link.enter_code": "⌨️ Enter a code",
  "link.code": "Your link code (valid for {{minutes}} minutes, one use):",
  "link.code_howto": "On the other app, send: /link {{code}}",
  "link.prompt": "Send the link code (like ABCD-EFGH):",
  "link.placeholder": "ABCD-EFGH",
  "link.ok": "✅ Linked! This chat now uses the same account, wallet and orders as your other app.",
  "link.invalid_code": "That code is not valid. Check it and send it again, or get a new one.",
  "link.expired": "That code has expired. Get a new one on the other app.",
  "link.already_used": "That code was already used. Get a new one on the other app.",
  "link.same_user": "This app is already linked to that account.",
  "link.has_history":
    "This account already has orders or money in its wallet, so it can't be merged into another. Instead, get a code here and enter it on the other app.",
  // Text-only channels (WeChat): numbered menus and the channel's own notices (bots/text, channels/wechat).
  "text.reply_number": "Reply with a number to choose.",
  "text.values": "Reply with a number: {{values}}",
  "text.or_names": "Or reply: {{names}}",
  "text.names": "You can also reply: {{names}}",
  "text.menu_expired": "That menu has expired. Here is the current one.",
  "text.out_of_range": "There is no option {{number}}. Reply with a number from 1 to {{max}}.",
  "text.empty": "I read text only. Reply with a number from the menu, or send “menu”.",
  "text.too_long":
    "That message is too long (at most {{max}} characters). Reply with a number from the menu, or a product name.",
  "text.non_text": "I can only read text messages. Reply with a number from the menu, or send “menu”.",
  "text.codes_sent_privately": "@{{name}} Your codes were sent to you in a private chat.",
  "text.add_friend": "@{{name}} Codes are only sent privately. Add me as a friend ({{bot}}) and send me “menu”.",
  "kyc.intro":
    "Real-name verification (required for withdrawals and large purchases). Your name and ID number are stored encrypted; staff only ever see them masked.",
  "kyc.name_prompt": "Send your full name exactly as on your resident ID card:",
  "kyc.name_placeholder": "Full name",
  "kyc.name_length": "That name is too short or too long (2–50 characters).",
  "kyc.name_characters":
    "A name may contain only Chinese characters (with · for names of several parts) or Latin letters.",
  "kyc.name_again": "Please start again with your name.",
  "kyc.id_prompt": "Now send your 18-character mainland resident ID number. It will not be shown back in this chat.",
  "kyc.id_placeholder": "18-character ID number",
  "kyc.id_length": "A resident ID number has exactly 18 characters. Please check and send it again.",
  "kyc.id_characters": "A resident ID number is 17 digits followed by a digit or X. Please check and send it again.",
  "kyc.id_region": "The first digits of that number are not a mainland region code. Please check and send it again.",
  "kyc.id_birth_date":
    "The birth date in that number (digits 7–14) is not a real date. Please check and send it again.",
  "kyc.id_future_birth_date": "The birth date in that number is in the future. Please check and send it again.",
  "kyc.id_under_18": "You must be 18 or older to verify.",
  "kyc.id_checksum":
    "That number's check digit does not match — a digit is probably mistyped. Please check and send it again.",
  "kyc.submitted": "Thank you. Your verification ({{id}}) is being reviewed; we will tell you here when it is done.",
  "kyc.submitted_duplicate":
    "Thank you. This ID number ({{id}}) is already verified on another account, so staff will review it; we will tell you here.",
  "kyc.provider_mismatch":
    "The name and ID number ({{id}}) do not match. Please check both and send /verify to try again.",
  "kyc.already_verified": "Your account is already real-name verified.",
  "kyc.already_pending": "Your verification is being reviewed. We will tell you here when it is done.",
  "kyc.rejected_before": "Your last verification was not accepted: {{reason}}",
  "kyc.unavailable": "Real-name verification is not available right now.",
  "kyc.verified": "✅ Your real-name verification was approved.",
  "kyc.rejected": "❌ Your real-name verification was not accepted: {{reason}}\nSend /verify to try again.",
  ...agentEn,
} as const;

export type MessageKey = keyof typeof en;
